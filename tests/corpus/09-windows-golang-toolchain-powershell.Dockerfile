# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022

# $ProgressPreference: https://github.com/PowerShell/PowerShell/issues/2138#issuecomment-251261324
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]

# install MinGit (especially for "go get")
ENV GIT_VERSION 2.45.2
ENV GIT_TAG v${GIT_VERSION}.windows.1
ENV GIT_DOWNLOAD_URL https://github.com/git-for-windows/git/releases/download/${GIT_TAG}/MinGit-${GIT_VERSION}-64-bit.zip
ENV GIT_DOWNLOAD_SHA256 7ed2a3ce5bbbf8eea976488de5416894ca3e6a0347cee195a7d768ac0d3c5a9e
RUN Write-Host ('Downloading {0} ...' -f $env:GIT_DOWNLOAD_URL); `
	[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12; `
	Invoke-WebRequest -Uri $env:GIT_DOWNLOAD_URL -OutFile 'git.zip'; `
	`
	Write-Host ('Verifying sha256 ({0}) ...' -f $env:GIT_DOWNLOAD_SHA256); `
	if ((Get-FileHash git.zip -Algorithm sha256).Hash -ne $env:GIT_DOWNLOAD_SHA256) { `
		Write-Host 'FAILED!'; `
		exit 1; `
	}; `
	`
	Write-Host 'Expanding ...'; `
	Expand-Archive -Path git.zip -DestinationPath C:\git\.; `
	`
	Write-Host 'Removing ...'; `
	Remove-Item git.zip -Force; `
	`
	Write-Host 'Updating PATH ...'; `
	$env:PATH = 'C:\git\cmd;C:\git\mingw64\bin;C:\git\usr\bin;' + $env:PATH; `
	[Environment]::SetEnvironmentVariable('PATH', $env:PATH, [EnvironmentVariableTarget]::Machine); `
	`
	Write-Host 'Verifying install ("git version") ...'; `
	git version; `
	`
	Write-Host 'Complete.';

# ideally, this would be C:\go to match Linux a bit closer, but C:\go was the
# old install path for Go itself on Windows
ENV GOPATH C:\gopath

# PATH isn't actually set in the Docker image, so we have to set it from within the container
RUN $newPath = ('{0}\bin;C:\Program Files\Go\bin;{1}' -f $env:GOPATH, $env:PATH); `
	Write-Host ('Updating PATH: {0}' -f $newPath); `
	[Environment]::SetEnvironmentVariable('PATH', $newPath, [EnvironmentVariableTarget]::Machine);
# doing this first to share cache across versions more aggressively

ENV GOLANG_VERSION 1.22.5

RUN $url = ('https://dl.google.com/go/go{0}.windows-amd64.zip' -f $env:GOLANG_VERSION); `
	Write-Host ('Downloading {0} ...' -f $url); `
	Invoke-WebRequest -Uri $url -OutFile 'go.zip'; `
	`
	$sha256 = '1b5ae2e4c2ba1b5a5ff7d4b6a6d1a9e5c3ef2b7f6a8c1d0e9f8a7b6c5d4e3f21'; `
	Write-Host ('Verifying sha256 ({0}) ...' -f $sha256); `
	if ((Get-FileHash go.zip -Algorithm sha256).Hash -ne $sha256) { `
		Write-Host 'FAILED!'; `
		exit 1; `
	}; `
	`
	Write-Host 'Expanding ...'; `
	Expand-Archive go.zip -DestinationPath C:\; `
	`
	Write-Host 'Moving ...'; `
	Move-Item -Path C:\go -Destination 'C:\Program Files\Go'; `
	`
	Write-Host 'Removing ...'; `
	Remove-Item go.zip -Force; `
	`
	Write-Host 'Verifying install ("go version") ...'; `
	go version; `
	`
	Write-Host 'Complete.';

WORKDIR $GOPATH
