# Lint, test and build side by side from one module download; dev and lint
# are built on demand with --target, the runtime image is the default.
FROM golang:1.24 AS deps
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download

FROM deps AS lint
COPY --from=golangci/golangci-lint:v1.59.1 /usr/bin/golangci-lint /usr/bin/golangci-lint
COPY . .
RUN golangci-lint run ./...

FROM deps AS test
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go test ./...

FROM golang:1.24 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,from=deps,source=/go/pkg/mod,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM build AS dev
RUN go install github.com/go-delve/delve/cmd/dlv@v1.23.0
CMD ["dlv", "debug", "./cmd/app", "--headless", "--listen=:2345"]

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
