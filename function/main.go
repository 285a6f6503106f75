// Command function is the Lambda function: the sample web app served through
// the REST API adapter. Started outside Lambda (no AWS_LAMBDA_RUNTIME_API), the
// same binary serves the app as a plain HTTP server for local editing.
package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/goapigw/webapp/function/login"
	"github.com/goapigw/webapp/function/restproxy"
	"github.com/goapigw/webapp/function/web"
)

func main() {
	inLambda := os.Getenv("AWS_LAMBDA_RUNTIME_API") != ""
	if inLambda {
		// The app's own slog lines go where the adapter's do: JSON at the
		// function's log level, each with its requestId (the context's).
		slog.SetDefault(lambdacontext.NewLogger())
	}
	// Outside Lambda the plain HTTP server streams; in Lambda the
	// integration's transfer mode decides, as the construct tells it.
	streaming := !inLambda || restproxy.StreamingFromEnv()
	progress, _ := time.ParseDuration(os.Getenv("PROGRESS_SECONDS") + "s")
	app, err := web.New(web.WithStreaming(streaming), web.WithProgressDuration(progress))
	if err != nil {
		// At ERROR: a log.Fatal line would be INFO, which LogLevel WARN hides.
		slog.Error("the app did not start", "error", err.Error())
		os.Exit(1)
	}
	// With the construct's Login prop, people sign in before they reach
	// the app; without it, FromEnv returns nil.
	signIn, err := login.FromEnv()
	if err != nil {
		slog.Error("the app did not start", "error", err.Error())
		os.Exit(1)
	}
	var handler http.Handler = app
	if signIn != nil {
		handler = signIn.Wrap(app)
	}
	if inLambda {
		restproxy.Start(handler)
		return
	}

	addr := flag.String("addr", "127.0.0.1:"+cmp.Or(os.Getenv("PORT"), "8080"), "address of the local server")
	flag.Parse()
	srv := &http.Server{Addr: *addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "serving the app locally at http://%s/ (not in Lambda: AWS_LAMBDA_RUNTIME_API is unset)\n", *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
