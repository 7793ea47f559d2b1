ARG GO_VERSION=1.22
ARG DEBIAN_RELEASE=bookworm

FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS build
ARG CGO_ENABLED=0
ENV CGO_ENABLED=${CGO_ENABLED}
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags "-s -w" -o /out/thumbnailer ./cmd/thumbnailer

FROM debian:${DEBIAN_RELEASE:-bookworm}-slim
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        # tini reaps zombies left behind by the image converters
        tini \
    ; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 999 app; \
    useradd --system --uid 999 --gid app --home-dir /nonexistent --shell /usr/sbin/nologin app
ARG GRPC_HEALTH_PROBE_VERSION=v0.4.28
ADD --checksum=sha256:5a4bc6ef1c1fb5d4b1d9c0f8c3a6e2b7d9f0a1c2e3b4d5f6a7b8c9d0e1f2a3b4 \
    --chmod=0755 \
    https://github.com/grpc-ecosystem/grpc-health-probe/releases/download/${GRPC_HEALTH_PROBE_VERSION}/grpc_health_probe-linux-amd64 /bin/grpc_health_probe
COPY --from=build /out/thumbnailer /usr/local/bin/
USER app
EXPOSE 50051
HEALTHCHECK --interval=10s --timeout=2s CMD ["/bin/grpc_health_probe", "-addr=:50051"]
ENTRYPOINT ["tini", "--", "thumbnailer"]
