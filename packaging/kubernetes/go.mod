module github.com/mgw-dev/mgw/packaging/kubernetes

go 1.26.8
