# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.4.0 AS xx

FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build
COPY --from=xx / /
RUN apk add --no-cache clang lld
ARG TARGETPLATFORM
RUN xx-apk add --no-cache musl-dev gcc sqlite-dev
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ENV CGO_ENABLED=1
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,id=gobuild-$TARGETPLATFORM,target=/root/.cache/go-build \
    xx-go build -tags netgo,osusergo -ldflags "-linkmode external -extldflags -static" \
      -o /out/vault-sync ./cmd/vault-sync && \
    xx-verify --static /out/vault-sync

FROM alpine:3.20
COPY --from=build /out/vault-sync /usr/local/bin/vault-sync
USER 65532:65532
ENTRYPOINT ["vault-sync"]
