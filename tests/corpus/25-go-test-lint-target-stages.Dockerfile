# syntax=docker/dockerfile:1

ARG GO_VERSION=1.22
ARG GOLANGCI_LINT_VERSION=v1.59.1

FROM golang:${GO_VERSION}-alpine AS base
WORKDIR /src
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    go mod download -x

FROM base AS builder
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,target=. \
    CGO_ENABLED=0 go build -o /bin/shorty ./cmd/shorty

# docker build --target tester .
FROM builder AS tester
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,target=. \
    --mount=type=tmpfs,target=/tmp \
    go test -v -coverprofile=/tmp/cover.out ./...

# docker build --target lint .
FROM golangci/golangci-lint:${GOLANGCI_LINT_VERSION} AS lint
WORKDIR /src
RUN --mount=type=bind,target=. \
    --mount=type=cache,target=/root/.cache \
    golangci-lint run ./...

# docker build --target binaries --output=bin/ .
FROM scratch AS binaries
COPY --from=builder /bin/shorty /

FROM alpine:3.20 AS final
RUN apk add --no-cache ca-certificates tzdata
COPY --from=builder /bin/shorty /usr/local/bin/shorty
EXPOSE 8000
USER nobody
ENTRYPOINT ["shorty"]
