module ringmaster.dev/policies

go 1.26
