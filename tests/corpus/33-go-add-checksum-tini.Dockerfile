# syntax=docker/dockerfile:1.6
FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/scheduler ./cmd/scheduler

FROM debian:bookworm-slim
ARG TINI_VERSION=v0.19.0
ADD --checksum=sha256:93dcc18adc78c65a028a84799ecf8ad40c936fdfc5f2a57b1acda5a8117fa82c \
    https://github.com/krallin/tini/releases/download/${TINI_VERSION}/tini-amd64 /tini
RUN chmod +x /tini
ADD --chmod=0644 https://raw.githubusercontent.com/krallin/tini/${TINI_VERSION}/LICENSE /usr/share/doc/tini/LICENSE
COPY --from=build /out/scheduler /usr/local/bin/scheduler
RUN groupadd -r scheduler && useradd -r -g scheduler scheduler
USER scheduler
STOPSIGNAL SIGTERM
ENTRYPOINT ["/tini", "--", "/usr/local/bin/scheduler"]
