module github.com/surgeon-outcomes/outcomes/bench/funnel

go 1.26
