FROM golang:1.22-alpine AS builder
RUN apk add --no-cache gcc musl-dev sqlite-dev
WORKDIR /build
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=unknown
RUN CGO_ENABLED=1 go build \
    -tags netgo,osusergo,sqlite_omit_load_extension \
    -ldflags "-s -w -linkmode external -extldflags '-static' -X main.Version=${VERSION}" \
    -o /usr/local/bin/bookmarks ./cmd/bookmarks

FROM scratch
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=builder /usr/local/bin/bookmarks /bookmarks
USER 65532:65532
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/bookmarks"]
CMD ["--db", "/data/bookmarks.db"]
