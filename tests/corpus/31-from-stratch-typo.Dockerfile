FROM golang:1.22 AS builder
WORKDIR /workspace
COPY . .
RUN CGO_ENABLED=0 go build -o hello ./cmd/hello

FROM stratch
COPY --from=builder /workspace/hello /hello
ENTRYPOINT ["/hello"]
