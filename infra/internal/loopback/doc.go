// Package loopback keeps the local runner's servers to the browser and the
// processes of this machine: [Handler] answers only requests whose Host
// names the loopback interface (localhost, 127.0.0.0/8 or [::1], with an
// optional port). A web page that rebinds its own DNS name to 127.0.0.1 (DNS
// rebinding) reaches a loopback port with its own name in Host, and gets 421
// Misdirected Request instead of the app, its cookies and its answers.
package loopback
