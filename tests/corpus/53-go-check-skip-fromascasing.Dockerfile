# syntax=docker/dockerfile:1
# check=skip=FromAsCasing,JSONArgsRecommended;error=true

FROM golang:1.22-alpine as build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /usr/local/bin/cron-runner ./cmd/cron-runner

FROM alpine:3.20 as runtime
RUN apk add --no-cache tzdata
COPY --from=build /usr/local/bin/cron-runner /usr/local/bin/
COPY crontab /etc/cron-runner/crontab
ENTRYPOINT /usr/local/bin/cron-runner --crontab /etc/cron-runner/crontab
