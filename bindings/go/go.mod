module csvr

go 1.19
