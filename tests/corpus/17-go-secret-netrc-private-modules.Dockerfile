# syntax=docker/dockerfile:1
FROM golang:1.22-bookworm AS deps
ENV GOPRIVATE=github.com/acme-corp/* \
    GOFLAGS=-mod=readonly
WORKDIR /src
COPY go.mod go.sum ./
# Private modules are fetched with a GitHub token passed as a build secret:
#   docker build --secret id=netrc,src=$HOME/.netrc .
RUN --mount=type=secret,id=netrc,target=/root/.netrc,required=true \
    --mount=type=cache,target=/go/pkg/mod \
    go mod download

FROM deps AS build
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/billing ./cmd/billing
# Upload debug symbols; the token is only present for release builds.
RUN --mount=type=secret,id=sentry_token \
    if [ -f /run/secrets/sentry_token ]; then \
      SENTRY_AUTH_TOKEN="$(cat /run/secrets/sentry_token)" ./scripts/upload-symbols.sh /out/billing; \
    fi

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/billing /billing
USER 65532:65532
ENTRYPOINT ["/billing"]
