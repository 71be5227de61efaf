// The sandboxed Python child's entry for the reference pipeline's verifiers: verifier-entry.ts's job,
// for `def verify_…(initial_db_path, final_db_path[, final_answer])`. It takes the same input (plus
// the function's name) and answers the same VerifierOutput per case.
//
// Each case gets its own copies of the two databases in the scratch folder (with a -wal or -journal
// file beside them, if any), and the verifier gets those paths: it opens its own connections by
// path, so a `mode=ro` URI of ours could not hold it to reading. Whatever it writes lands in the
// copies, which are thrown away; the originals sit on read-only mounts besides (namespaces).
// As in the reference (AWM-FACTS §4) the code runs with `sqlite3`, `json`, `os` and `re` already
// imported and full builtins, and the function gets as many of the arguments as it takes.
// Unlike our JavaScript verifiers it is not given the world clock.
import type { VerifierInput } from './verifier-entry.js';

export interface PythonVerifierInput extends VerifierInput {
  /** The function the code defines (`verify_task_completion`, `verify_task`). */
  readonly functionName: string;
}

export const PYTHON_VERIFIER_ENTRY = String.raw`
import builtins, inspect, json, linecache, os, re, shutil, sqlite3, traceback

_FILE = '<verifier>'

def run(input, context):
    return [_judge(input, case, os.path.join(context['scratchDir'], 'case-%d' % index))
            for index, case in enumerate(input['cases'])]

def _copy(source, folder, name):
    target = os.path.join(folder, name)
    shutil.copyfile(source, target)
    for suffix in ('-wal', '-journal'):
        if os.path.exists(source + suffix):
            shutil.copyfile(source + suffix, target + suffix)
    return target

def _judge(input, case, folder):
    os.makedirs(folder)
    initial = _copy(case['initialPath'], folder, 'initial.db')
    final = _copy(case['finalPath'], folder, 'final.db')
    code = input['code']
    linecache.cache[_FILE] = (len(code), None, code.splitlines(True), _FILE)
    namespace = {'__name__': 'awm_verifier', '__builtins__': builtins,
                 'sqlite3': sqlite3, 'json': json, 'os': os, 're': re}
    try:
        exec(compile(code, _FILE, 'exec'), namespace)
    except MemoryError:
        raise
    except BaseException as error:
        return _problem('the verifier does not load: ', error)
    name = input['functionName']
    function = namespace.get(name)
    if not callable(function):
        return {'ok': False, 'problem': 'the verifier defines no function %s' % name}
    arguments = [initial, final] + ([case['answer']] if input['mode'] == 'code' else [])
    try:
        value = function(*_fit(function, arguments))
    except MemoryError:
        raise
    except BaseException as error:
        return _problem('the verifier raised ', error)
    return _verdict(value) if input['mode'] == 'code' else _facts(value)

def _fit(function, arguments):
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return arguments
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return arguments
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return arguments[:len(positional)]

def _problem(prefix, error):
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == _FILE]
    where = ''.join(traceback.format_list(frames))
    text = '%s%s: %s' % (prefix, type(error).__name__, error)
    if where:
        text += '\nTraceback (the verifier\'s lines):\n' + where.rstrip()
    return {'ok': False, 'problem': text[:4000]}

def _preview(value):
    try:
        text = json.dumps(value, default=repr)
    except Exception:
        text = repr(value)
    return text if len(text) <= 200 else text[:199] + '\u2026'

def _verdict(value):
    if not isinstance(value, dict) or value.get('result') not in ('complete', 'others'):
        return {'ok': False, 'problem': 'the verifier must return {"result": "complete" | "others"}, not ' + _preview(value)}
    reason = value.get('reason')
    return {'ok': True, 'value': {'result': value['result'], 'reason': reason if isinstance(reason, str) else ''}}

def _facts(value):
    if not isinstance(value, dict):
        return {'ok': False, 'problem': 'the fact gatherer must return a dict of facts, not ' + _preview(value)}
    try:
        return {'ok': True, 'value': json.loads(json.dumps(value, default=str, allow_nan=False))}
    except Exception as error:
        return {'ok': False, 'problem': 'the facts are not JSON: %s' % error}
`;
