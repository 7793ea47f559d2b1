From golang:1.21 As Builder
Workdir /app
COPY go.mod go.sum ./
Run go mod download
Copy . .
RUN CGO_ENABLED=0 go build -o webhook-relay .

From alpine:latest
Run apk add --no-cache ca-certificates
Copy --from=Builder /app/webhook-relay /usr/local/bin/
Expose 8080
Cmd ["webhook-relay"]
