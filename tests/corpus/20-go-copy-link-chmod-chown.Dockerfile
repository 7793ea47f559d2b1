# syntax=docker/dockerfile:1.5
ARG GO_VERSION=1.22.5
ARG DISTROLESS=gcr.io/distroless/static-debian12:nonroot

FROM golang:${GO_VERSION} AS build
WORKDIR /go/src/github.com/example/gatekeeper
COPY --link go.mod go.sum ./
RUN go mod download
COPY --link . .
ARG VERSION
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-X main.Version=${VERSION:-devel}" -o /out/gatekeeper ./cmd/gatekeeper

FROM ${DISTROLESS}
COPY --link --from=build --chown=65532:65532 --chmod=0755 /out/gatekeeper /usr/local/bin/gatekeeper
COPY --link --chown=65532:65532 --chmod=0644 config/policy.rego /etc/gatekeeper/policy.rego
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/gatekeeper"]
