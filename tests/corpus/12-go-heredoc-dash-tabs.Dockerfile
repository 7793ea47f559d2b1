# syntax=docker/dockerfile:1
FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY go.* ./
RUN go mod download
COPY . .
RUN <<-EOF
	set -eu
	for cmd in apiserver worker migrate; do
		CGO_ENABLED=0 go build -trimpath -o "/out/${cmd}" "./cmd/${cmd}"
	done
	EOF

FROM debian:bookworm-slim
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates \
	&& rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
COPY --chmod=755 <<-'EOF' /usr/local/bin/entrypoint.sh
	#!/bin/sh
	set -e
	/usr/local/bin/migrate up
	exec /usr/local/bin/apiserver "$@"
	EOF
USER nobody
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
