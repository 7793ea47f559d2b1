# A multi-stage build for a Go module, written by dockstage.

# Builder: the Go toolchain compiles the program.
FROM golang:1.24 AS builder
WORKDIR /src
# Modules first, so editing code does not download them again.
COPY go.mod go.sum* ./
RUN go mod download
COPY . .
# A static binary: no libc needed at run time.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /app .

# Runtime: only the binary, on an empty image.
FROM scratch
COPY --from=builder /app /app
USER 65532:65532
ENTRYPOINT ["/app"]
