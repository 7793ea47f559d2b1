# syntax=docker/dockerfile:1.7-labs
FROM --platform=$BUILDPLATFORM golang:1.23-alpine AS build
WORKDIR /src
# Copy only the module manifests of every workspace member, keeping
# their directory layout, so `go mod download` is cached independently of source.
COPY --parents go.work go.work.sum services/*/go.mod services/*/go.sum libs/*/go.mod libs/*/go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY --exclude=**/*_test.go --exclude=**/testdata --exclude=docs/ . .
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 \
    go build -trimpath -o /out/ ./services/orders/cmd/... ./services/payments/cmd/...

FROM alpine:3.20
RUN apk add --no-cache ca-certificates
COPY --from=build /out/ /usr/local/bin/
COPY --exclude=*.md migrations/ /migrations/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/orders"]
