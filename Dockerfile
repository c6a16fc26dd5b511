# chartscan in a container: the binary built with cgo against Debian's
# Tesseract and Leptonica, run on Debian with the English and orientation
# models and poppler.
#
#   docker build -t chartscan .
#   docker run -p 8080:8080 -v chartscan-data:/var/lib/chartscan chartscan
#
# The service listens on 0.0.0.0:8080 inside the container; its data
# (objects, index, inboxes, tokens, users, audit log) is the volume.

FROM golang:1.26-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        libtesseract-dev libleptonica-dev libzxing-dev pkg-config && \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-X main.version=${VERSION}" -o /out/chartscan ./cmd/chartscan

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libtesseract5 libzxing2 tesseract-ocr-eng tesseract-ocr-osd poppler-utils qpdf ca-certificates && \
    rm -rf /var/lib/apt/lists/* && \
    useradd --system --home-dir /var/lib/chartscan --shell /usr/sbin/nologin chartscan && \
    install -d -o chartscan -g chartscan -m 0750 /var/lib/chartscan
COPY --from=build /out/chartscan /usr/local/bin/chartscan
COPY scanner-profiles /etc/chartscan/scanner-profiles
USER chartscan
WORKDIR /var/lib/chartscan
ENV CHARTSCAN_DATA_DIR=/var/lib/chartscan \
    CHARTSCAN_PROFILES_DIR=/etc/chartscan/scanner-profiles \
    CHARTSCAN_LISTEN=0.0.0.0:8080
EXPOSE 8080
VOLUME /var/lib/chartscan
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["/usr/local/bin/chartscan", "health"]
ENTRYPOINT ["/usr/local/bin/chartscan"]
CMD ["serve"]
