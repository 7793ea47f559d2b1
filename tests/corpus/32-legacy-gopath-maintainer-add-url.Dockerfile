FROM golang:1.8
MAINTAINER Jane Doe <jane@example.com>

ENV GOPATH /go
ENV PATH $GOPATH/bin:/usr/local/go/bin:$PATH
ENV APP_DIR $GOPATH/src/github.com/janedoe/shortlinks

# glide for dependency management
ADD https://github.com/Masterminds/glide/releases/download/v0.12.3/glide-v0.12.3-linux-amd64.tar.gz /tmp/glide.tar.gz
RUN tar -xzf /tmp/glide.tar.gz -C /tmp && mv /tmp/linux-amd64/glide /usr/local/bin/glide && rm -rf /tmp/glide.tar.gz /tmp/linux-amd64

ADD . $APP_DIR
WORKDIR $APP_DIR

RUN glide install
RUN go build -o /usr/local/bin/shortlinks .
# RUN go test $(glide novendor) \
#     -v

EXPOSE 8000
CMD shortlinks -port 8000
