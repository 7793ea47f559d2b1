FROM golang as build
MAINTAINER ops@example.org
WORKDIR /go/src/app
COPY . .
RUN go get -d -v ./...
RUN go build -o /go/bin/app

FROM debian:bullseye-slim as runtime 
RUN apt-get update
RUN apt-get install -y ca-certificates curl 
COPY --from=build /go/bin/app /usr/local/bin/app
EXPOSE 8080
HEALTHCHECK CMD curl -f http://localhost:8080/health || exit 1
CMD ["app"]
