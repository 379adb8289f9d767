# gnuplot script written by sigma monitor; run in this directory.
set datafile missing 'n/a'
set termoption noenhanced
set terminal pngcairo size 900,500 font ',10' noenhanced
set xlabel 'checkpoint'; set grid; set key top right
set output 'drift_U.png'
set title 'Track II drift delta_U = U_t - U_0, 0.95 CI (n1 = 1024, d = 256)'
set ylabel 'nats'
plot 'monitor.dat' u 1:3:4 w filledcurves lc rgb '#cfe2f3' t 'CI', \
     '' u 1:2 w lp pt 7 lw 2 lc rgb '#cc0000' t 'delta_U (observed block)'
set output 'drift_Gamma.png'
set title 'Track I drift delta_Gamma = Gamma_t - Gamma_0 (B = c_E n2)'
plot 'monitor.dat' u 1:5 w lp pt 7 lw 2 lc rgb '#1f4e9c' t 'delta_Gamma'
set output 'overlay.png'
set title 'both tracks min-max normalised over the series'
set ylabel 'normalised drift'; set yrange [-0.05:1.05]
plot 'monitor.dat' u 1:7 w lp pt 7 lw 2 lc rgb '#cc0000' t 'Track II (U)', \
     '' u 1:8 w lp pt 5 lw 2 lc rgb '#1f4e9c' t 'Track I (Gamma)'
