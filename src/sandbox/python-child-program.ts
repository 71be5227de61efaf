// The main of a sandboxed Python child: child-entry.ts's job, in Python. It reads the request frame
// from fd 3, calls the entry's `run(input, context)` and writes one result frame back to fd 3 (the
// frames of sandbox-protocol.ts), then exits at once. The entry is Python source defining `run`; the
// program is handed to `python3 -c`, so nothing but dist/ has to ship (the serve image has only dist/).
// A MemoryError is reported as "out of memory", which the parent reads as the memory limit at work.

const MAIN = String.raw`
import json as _awm_json, os as _awm_os, traceback as _awm_traceback

def _awm_failure(phase, error):
    memory = isinstance(error, MemoryError)
    return {'ok': False, 'failure': {
        'phase': phase,
        'name': type(error).__name__,
        'message': 'out of memory (MemoryError)' if memory else str(error),
        'stack': ''.join(_awm_traceback.format_exception(type(error), error, error.__traceback__))[-4000:],
        'code': None,
    }}

def _awm_send(frame):
    try:
        text = _awm_json.dumps(dict(frame, awmSandbox=1), allow_nan=False)
    except Exception as error:
        problem = TypeError('the entry returned a value that is not JSON: %s' % error)
        text = _awm_json.dumps(dict(_awm_failure('return', problem), awmSandbox=1))
    data = text.encode('utf-8')
    while data:
        data = data[_awm_os.write(3, data):]
    _awm_os.close(3)
    _awm_os._exit(0)

def _awm_main():
    chunks = []
    while True:
        chunk = _awm_os.read(3, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        frame = _awm_json.loads(b''.join(chunks).decode('utf-8'))
        if not isinstance(frame, dict) or frame.get('awmSandbox') != 1 or not isinstance(frame.get('scratchDir'), str):
            raise ValueError('bad request frame')
    except Exception as error:
        _awm_send(_awm_failure('load', error))
    try:
        value = run(frame.get('input'), {'scratchDir': frame['scratchDir']})
    except BaseException as error:
        _awm_send(_awm_failure('run', error))
    _awm_send({'ok': True, 'value': value})

_awm_main()
`;

/** The whole program for `python3 -c`: the entry (which defines `run(input, context)`), then the main. */
export function pythonChildProgram(entrySource: string): string {
  return `${entrySource}\n${MAIN}`;
}
