module github.com/heed-ml/heed/asm/_gen

go 1.26.8
