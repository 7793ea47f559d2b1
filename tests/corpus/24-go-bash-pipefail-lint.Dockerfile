# syntax=docker/dockerfile:1
FROM golang:1.22-bookworm AS base
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM base AS lint
RUN curl -sSfL https://raw.githubusercontent.com/golangci/golangci-lint/master/install.sh \
    | sh -s -- -b "$(go env GOPATH)/bin" v1.59.1
COPY . .
RUN golangci-lint run --timeout 5m ./... | tee /tmp/lint.txt

FROM base AS build
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/ledger ./cmd/ledger \
    && sha256sum /out/ledger | tee /out/ledger.sha256

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ledger /ledger
ENTRYPOINT ["/ledger"]
