# escape=`

# Windows build of the service. Built on the ltsc2022 CI runners only.
ARG GO_VERSION=1.22
FROM golang:${GO_VERSION}-windowsservercore-ltsc2022 AS build

SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]

WORKDIR C:\src
COPY go.mod go.sum ./
RUN go mod download

COPY . .
ENV CGO_ENABLED=0
ARG VERSION=0.0.0-dev
RUN $ldflags = ('-s -w -X main.version={0}' -f $env:VERSION); `
    go build -trimpath -ldflags $ldflags -o C:\out\winsvc.exe .\cmd\winsvc; `
    if (-not (Test-Path C:\out\winsvc.exe)) { throw 'build failed' }

FROM mcr.microsoft.com/windows/nanoserver:ltsc2022

COPY --from=build C:\out\winsvc.exe C:\app\winsvc.exe
USER ContainerUser
EXPOSE 8080
ENTRYPOINT ["C:\\app\\winsvc.exe"]
CMD ["--listen", ":8080"]
