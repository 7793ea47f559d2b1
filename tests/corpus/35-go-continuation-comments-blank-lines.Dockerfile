FROM golang:1.22-bookworm AS build

RUN apt-get update && apt-get install -y --no-install-recommends \
    # gcc + libc headers are needed for cgo (mattn/go-sqlite3) \
    gcc \
    libc6-dev \

    # protobuf toolchain
    protobuf-compiler \
    \
    unzip \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build \
      # embed the version from git
      -ldflags "-X main.version=$(git describe --tags --always 2>/dev/null || echo dev)" \
      -tags sqlite_omit_load_extension \
      -o /out/notes ./cmd/notes

FROM debian:bookworm-slim
# RUN apt-get update && apt-get install -y \
#     curl jq
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/notes /usr/local/bin/notes
VOLUME ["/var/lib/notes"]
USER nobody
CMD ["notes", "--data", "/var/lib/notes"]
