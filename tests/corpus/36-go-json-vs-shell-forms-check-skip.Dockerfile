# syntax=docker/dockerfile:1
# check=skip=JSONArgsRecommended

FROM golang:1.22-alpine AS build
RUN ["apk", "add", "--no-cache", "git", "make"]
WORKDIR /src
COPY . .
RUN make build BINARY=/out/agent
RUN ["/out/agent", "--version"]

# docker compose runs this target with the source bind-mounted
FROM build AS dev
CMD go run ./cmd/agent --log-level=debug

FROM alpine:3.20
RUN apk add --no-cache ca-certificates
COPY --from=build /out/agent /usr/local/bin/agent
ENV AGENT_OPTS="--log-level=info"
# Shell form on purpose: $AGENT_OPTS must be word-split at start-up.
ENTRYPOINT exec /usr/local/bin/agent $AGENT_OPTS
