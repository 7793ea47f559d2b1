FROM golang:latest

WORKDIR app

COPY . .

RUN go mod download
RUN go build -o main .

FROM scratch
COPY --from=0 /go/app/main /main
USER nobody
EXPOSE 3000
CMD /main