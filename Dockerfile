# Multi-stage build: a static, pure-Go binary (SQLite is modernc.org/sqlite, no cgo) on distroless.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/recd ./cmd/recd

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/recd /usr/local/bin/recd
# The bundled MovieLens data, for `recd import movielens /usr/share/recd/ml-latest-small`.
COPY examples/ml-latest-small /usr/share/recd/ml-latest-small
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/recd"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data-dir", "/data"]
