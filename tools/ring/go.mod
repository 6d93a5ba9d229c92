module ringmaster.dev/ring

go 1.26
