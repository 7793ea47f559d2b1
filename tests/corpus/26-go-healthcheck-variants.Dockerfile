FROM golang:1.22-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/statusd ./cmd/statusd

FROM alpine:3.20 AS runtime-base
RUN apk add --no-cache ca-certificates curl
COPY --from=build /out/statusd /usr/local/bin/statusd
EXPOSE 9090
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --start-interval=2s --retries=5 \
  CMD ["curl", "-fsS", "http://localhost:9090/-/healthy"]

# The debug image is used by the e2e suite, which runs its own probes.
FROM runtime-base AS debug
RUN apk add --no-cache delve bash
HEALTHCHECK NONE
EXPOSE 40000
ENTRYPOINT ["dlv", "--listen=:40000", "--headless=true", "--api-version=2", "exec", "/usr/local/bin/statusd", "--"]

FROM runtime-base AS release
USER nobody
ENTRYPOINT ["statusd"]
CMD ["--config", "/etc/statusd/statusd.yml"]
