# A service monorepo: shared tooling, two binaries, two images; the last is built.
ARG GO_VERSION=1.24
FROM golang:${GO_VERSION}-bookworm AS base
WORKDIR /src
ENV GOTOOLCHAIN=local

FROM base AS deps
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

FROM deps AS tools
RUN --mount=type=cache,target=/go/pkg/mod \
    go install go.uber.org/mock/mockgen@v0.4.0 && \
    go install github.com/sqlc-dev/sqlc/cmd/sqlc@v1.26.0

FROM tools AS generate
COPY . .
RUN go generate ./... && sqlc generate

FROM generate AS lint
COPY --from=golangci/golangci-lint:v1.59.1 /usr/bin/golangci-lint /usr/bin/golangci-lint
RUN golangci-lint run ./...

FROM generate AS test
RUN --mount=type=cache,target=/root/.cache/go-build go test -race ./...

FROM generate AS build-api
RUN --mount=type=cache,from=deps,source=/go/pkg/mod,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -o /out/api ./cmd/api

FROM generate AS build-worker
RUN --mount=type=cache,from=deps,source=/go/pkg/mod,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -o /out/worker ./cmd/worker

FROM alpine:3.20 AS certs
RUN apk add --no-cache ca-certificates tzdata

FROM build-api AS debug-api
RUN go install github.com/go-delve/delve/cmd/dlv@v1.23.0
CMD ["dlv", "exec", "/out/api", "--headless", "--listen=:2345"]

FROM gcr.io/distroless/static-debian12:nonroot AS api
COPY --from=certs /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build-api /out/api /api
ENTRYPOINT ["/api"]

FROM scratch AS worker
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=certs /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build-worker /out/worker /worker
USER 65534:65534
ENTRYPOINT ["/worker"]
