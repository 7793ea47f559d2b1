# syntax=docker/dockerfile:1
FROM golang:1.22-bookworm AS build
WORKDIR /src
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=cache,target=/go/pkg/mod \
    go mod download
RUN --mount=type=bind,target=.,rw \
    --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=tmpfs,target=/tmp \
    go test ./... \
 && CGO_ENABLED=0 go build -trimpath -o /out/usr/bin/relayd ./cmd/relayd

FROM build AS pkg
RUN apt-get update && apt-get install -y --no-install-recommends dpkg-dev \
 && rm -rf /var/lib/apt/lists/*
COPY packaging/debian/ /out/DEBIAN/
RUN dpkg-deb --build --root-owner-group /out /relayd.deb

FROM debian:bookworm-slim
RUN --mount=type=bind,from=pkg,source=/relayd.deb,target=/tmp/relayd.deb \
    --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
 && apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates /tmp/relayd.deb
STOPSIGNAL SIGINT
USER daemon
ENTRYPOINT ["/usr/bin/relayd"]
