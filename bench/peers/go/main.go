// The Go peer of `make bench` (bench/run.sh, bench/lambda/run.sh): one
// net/http handler, served as a Lambda bootstrap by aws-lambda-go through
// aws-lambda-go-api-proxy's HTTP API (payload 2.0) adapter, or as a local
// server by net/http.
//
//	peer lambda                the Lambda bootstrap
//	peer serve PORT WORKERS    a server on 127.0.0.1:PORT, GOMAXPROCS=WORKERS
//
// GET /api/health answers {"status":"healthy"} as application/json, as the
// items app does.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

func health(w http.ResponseWriter, _ *http.Request) {
	body, err := json.Marshal(map[string]string{"status": "healthy"})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: peer lambda | peer serve PORT WORKERS")
	os.Exit(2)
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", health)
	if len(os.Args) == 2 && os.Args[1] == "lambda" {
		lambda.Start(httpadapter.NewV2(mux).ProxyWithContext)
		return
	}
	if len(os.Args) != 4 || os.Args[1] != "serve" {
		usage()
	}
	workers, err := strconv.Atoi(os.Args[3])
	if err != nil {
		usage()
	}
	runtime.GOMAXPROCS(workers)
	fmt.Fprintln(os.Stderr, http.ListenAndServe("127.0.0.1:"+os.Args[2], mux))
	os.Exit(1)
}
