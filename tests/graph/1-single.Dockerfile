# One stage: the Go image builds the program and runs it too.
FROM golang:1.24
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN go build -o /usr/local/bin/app .
CMD ["app"]
