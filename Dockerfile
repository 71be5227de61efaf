# awm's episode server (`awm serve`) as an image; docs/scale-out.md says how to run it.
#
#   build        node + python3/make/g++: npm ci (better-sqlite3 compiled from source), tsc, dev deps pruned
#   demo         `awm build` of the demo project, offline (the recorded answers; no LLM is called)
#   serve        runtime: no compilers, user 1000, the project mounted read-only at /srv/awm/project
#   serve-demo   serve with the built demo baked in (the default target)
#
#   docker build -t awm-serve .                      # the demo baked in
#   docker build --target serve -t awm-serve-base .  # mount your own built project
#
# At run time awm writes only /srv/awm/project/outputs (the server's run folder: one copy of a seed
# database per live episode, server.log, kept episodes) and $TMPDIR (/tmp: the sandbox's scratch
# folders); both must be writable, the rest can be read-only.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Compile better-sqlite3 here rather than fetch a prebuilt binary, against the image's own Node
# headers (node-gyp would otherwise download them).
ENV npm_config_build_from_source=true npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY stages ./stages
COPY test ./test
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM build AS demo
COPY awm.pipeline.yaml awm.pipeline.schema.json awm.lock ./
COPY prompts ./prompts
COPY data ./data
COPY demo ./demo
# No OPENAI_* variables: awm answers from demo/recorded-responses/ and says so.
RUN node bin/awm.js build && node bin/awm.js check

FROM ${NODE_IMAGE} AS serve
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules ./node_modules
# The served project; `outputs/` is the one folder awm writes in it (mount a volume there when the
# project or the root file system is read-only).
RUN mkdir -p /srv/awm/project/outputs && chown 1000:1000 /srv/awm/project/outputs
WORKDIR /srv/awm/project
# The node image's `node` user, by number so Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 8000
# node is PID 1 here; awm handles SIGTERM itself (the drain) and reaps its own children.
ENTRYPOINT ["node", "/app/bin/awm.js"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]

FROM serve AS serve-demo
COPY --from=demo /app/awm.pipeline.yaml /app/awm.pipeline.schema.json /app/awm.lock ./
COPY --from=demo /app/stages ./stages
COPY --from=demo /app/prompts ./prompts
COPY --from=demo /app/data ./data
COPY --from=demo /app/demo ./demo
COPY --from=demo /app/artifacts ./artifacts
