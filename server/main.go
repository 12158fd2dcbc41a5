// Command server is the native oxlite server and its admin CLI.
//
//	server serve [--listen 127.0.0.1:8080] [--data ./data]
//	server context add --name NAME
//	server user add --login L --password P [...]
//	server user passwd|list, group add, resource add, tombstones prune
package main

import (
	"fmt"
	"os"
	_ "time/tzdata"
)

const usage = `usage: server <command> [flags]

commands:
  serve                 run the HTTP server
  context add           create a context and its admin
  user add              create a user
  user passwd           set a user's password
  user list             list users
  group add             create a group
  resource add          create a resource
  tombstones prune      delete tombstones older than the retention

Run "server <command> -h" for the flags of a command.`

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(rest)
	case "-h", "--help", "help":
		fmt.Println(usage)
		return 0
	}
	if len(rest) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	sub, rest := rest[0], rest[1:]
	var err error
	switch cmd + " " + sub {
	case "context add":
		err = contextAdd(rest)
	case "user add":
		err = userAdd(rest)
	case "user passwd":
		err = userPasswd(rest)
	case "user list":
		err = userList(rest)
	case "group add":
		err = groupAdd(rest)
	case "resource add":
		err = resourceAdd(rest)
	case "tombstones prune":
		err = tombstonesPrune(rest)
	default:
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	if err == errHelp {
		return 0
	}
	if err != nil {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "error: "+oneLine(err.Error()))
		}
		return 1
	}
	return 0
}
