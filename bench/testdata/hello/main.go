// Command hello is the cold-start floor: the smallest aws-lambda-go function.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "hello", nil })
}
