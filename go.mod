module github.com/eim-byoi/eim

go 1.26
