module ringmaster.dev/events

go 1.26
