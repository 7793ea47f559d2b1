FROM golang:1.21-bullseye AS build
ENV CGO_ENABLED=0 \
    GOOS=linux \
    GOARCH=amd64
WORKDIR /build
COPY go.mod go.sum ./
RUN go mod download && \
    go mod verify
COPY . .
RUN go build -ldflags="-s -w" -o inventory-svc ./cmd/inventory

FROM debian:bullseye-slim
RUN apt-get update && \
    apt-get install -y --no-install-recommends ca-certificates wget && \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /build/inventory-svc /usr/local/bin/inventory-svc
RUN useradd --system --uid 10001 inventory
USER inventory
EXPOSE 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD wget -qO- http://127.0.0.1:8081/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/inventory-svc"]