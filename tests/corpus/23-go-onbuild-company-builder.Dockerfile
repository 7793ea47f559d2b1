# Base builder image for internal Go services.
#
# Usage in a service repo:
#   FROM registry.internal.example.com/platform/go-builder:1.22 AS build
#   FROM gcr.io/distroless/static-debian12:nonroot
#   COPY --from=build /out/app /app
FROM golang:1.22-bookworm
LABEL org.opencontainers.image.vendor="Example Corp" \
      org.opencontainers.image.title="go-builder" \
      org.opencontainers.image.description="ONBUILD base for Go services"
RUN apt-get update \
 && apt-get install -y --no-install-recommends git make \
 && rm -rf /var/lib/apt/lists/*
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
WORKDIR /app
ONBUILD ARG VERSION=dev
ONBUILD ARG MAIN=./cmd/app
ONBUILD COPY go.mod go.sum ./
ONBUILD RUN go mod download
ONBUILD COPY . /app
ONBUILD RUN go build -ldflags "-s -w -X main.version=${VERSION}" -o /out/app ${MAIN}
