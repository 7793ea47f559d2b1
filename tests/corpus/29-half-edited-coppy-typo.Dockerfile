FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod ./
COPPY go.sum ./
RUN go mod download
COPY . .
# TODO: add -ldflags once the version package lands
RUN
RUN CGO_ENABLED=0 go build -o /out/queue-worker ./cmd/queue-worker

FROM gcr.io/distroless/static
COPY --from=build /out/queue-worker /
# RUN apt-get update && \
#     apt-get install -y curl \
ENTRYPOINT ["/queue-worker"]
