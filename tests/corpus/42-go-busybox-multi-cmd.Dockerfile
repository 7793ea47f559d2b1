FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ARG TARGETOS
ARG TARGETARCH
WORKDIR /go/src/github.com/example/observatory
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN for bin in collector query ingester; do \
      CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
        go build -trimpath -o /out/$bin ./cmd/$bin || exit 1; \
    done

FROM busybox:1.36-glibc
LABEL maintainer="The Observatory Authors <observatory-dev@example.org>" \
      org.opencontainers.image.source="https://github.com/example/observatory" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=builder /out/collector /out/query /out/ingester /bin/
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
RUN adduser -D -u 1001 observatory && mkdir -p /data && chown observatory /data
USER 1001
WORKDIR /data
EXPOSE 4317 16686
ENTRYPOINT ["/bin/collector"]
