# syntax=docker/dockerfile:1
FROM golang:1.23-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN <<BUILD sh && cat <<NOTICE > /out/NOTICE
set -e
mkdir -p /out
CGO_ENABLED=0 go build -trimpath -o /out/site ./cmd/site
BUILD
This image bundles third-party software.
See https://github.com/acme/site/blob/main/THIRD_PARTY.md for details.
NOTICE

FROM alpine:3.20
RUN addgroup -S site && adduser -S -G site site
COPY <<robots.txt <<humans.txt /srv/static/
User-agent: *
Disallow: /admin/
robots.txt
/* TEAM */
Maintainer: platform-team@acme.example
Site: https://acme.example
humans.txt
COPY --from=build /out/site /usr/local/bin/site
COPY --from=build /out/NOTICE /usr/share/doc/site/NOTICE
USER site
EXPOSE 8080
ENTRYPOINT ["site", "--static-dir", "/srv/static"]
