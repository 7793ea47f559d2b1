# syntax=docker/dockerfile:1.8
# check=error=true

ARG GO_VERSION=1.22
FROM golang:${GO_VERSION:-1.22}-bookworm AS build
WORKDIR /src
COPY --link go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY --link . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X github.com/example/quota/internal/version.Version=${VERSION}" \
      -o /out/quota ./cmd/quota

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build --chmod=0555 /out/quota /quota
USER nonroot
ENTRYPOINT ["/quota"]
