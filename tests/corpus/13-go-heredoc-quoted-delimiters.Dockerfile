# syntax=docker/dockerfile:1
ARG ALPINE_VERSION=3.20
FROM golang:1.23-alpine${ALPINE_VERSION} AS build
ARG APP_VERSION=0.0.0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN <<"EOF" sh
set -eu
# APP_VERSION is expanded by sh at run time (build args are in the environment)
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/acme/notify/internal/buildinfo.Version=${APP_VERSION}" \
  -o /out/notify ./cmd/notify
EOF

FROM alpine:${ALPINE_VERSION}
RUN apk add --no-cache ca-certificates su-exec tini
RUN addgroup -S notify && adduser -S -G notify -h /var/lib/notify notify
COPY --from=build /out/notify /usr/local/bin/notify
COPY --chmod=0755 <<'EOF' /usr/local/bin/docker-entrypoint.sh
#!/bin/sh
set -e
if [ "$(id -u)" = '0' ]; then
  chown -R notify:notify /var/lib/notify
  exec su-exec notify "$0" "$@"
fi
exec "$@"
EOF
ARG APP_VERSION=0.0.0
COPY <<EOF /etc/notify/VERSION
${APP_VERSION}
EOF
VOLUME /var/lib/notify
ENTRYPOINT ["/sbin/tini", "--", "/usr/local/bin/docker-entrypoint.sh"]
CMD ["notify", "serve"]
