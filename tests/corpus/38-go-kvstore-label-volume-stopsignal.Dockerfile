ARG ARCH=amd64
FROM --platform=linux/${ARCH} golang:1.22 AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /go/src/github.com/example/kvstore
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN GIT_SHA="$(git rev-parse --short HEAD | tr -d '\n')" \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/example/kvstore/version.GitSHA=${GIT_SHA}" -o /out/kvstore ./server \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/example/kvstore/version.GitSHA=${GIT_SHA}" -o /out/kvstorectl ./ctl

FROM gcr.io/distroless/static-debian12
LABEL org.opencontainers.image.title="kvstore" \
      org.opencontainers.image.description="Distributed reliable key-value store" \
      org.opencontainers.image.url="https://github.com/example/kvstore" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/kvstore /usr/local/bin/
COPY --from=build /out/kvstorectl /usr/local/bin/
WORKDIR /var/kvstore/
VOLUME /var/lib/kvstore
EXPOSE 2379 2380 9090/tcp
STOPSIGNAL SIGINT
CMD ["/usr/local/bin/kvstore"]
