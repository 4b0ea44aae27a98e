package dev.smtpkit.benchmarks;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The scaling plot: three XChart panels side by side in one PNG. */
final class Plot {

    private static final int W = 560;
    private static final int H = 560;

    private Plot() {
    }

    static void write(Path png, Map<Integer, Map<ServerTarget, Compare.Measured>> bySessions,
            Map<Integer, Map<ServerTarget, Compare.Measured>> bySize) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        if (!bySessions.isEmpty()) {
            charts.add(chart("Throughput vs concurrent sessions (1 KiB)", "sessions (smtp-source -s)", "messages/s", bySessions, Value.RATE));
            charts.add(chart("Peak RSS vs concurrent sessions (1 KiB)", "sessions (smtp-source -s)", "peak RSS (MiB)", bySessions, Value.RSS));
        }
        if (!bySize.isEmpty()) {
            charts.add(chart("Throughput vs message size (4 sessions)", "message size (KiB)", "MB/s", bySize, Value.MEGABYTES));
        }
        BufferedImage all = new BufferedImage(W * charts.size(), H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), i * W, 0, null);
        }
        g.dispose();
        ImageIO.write(all, "png", png.toFile());
    }

    private enum Value { RATE, RSS, MEGABYTES }

    private static XYChart chart(String title, String x, String y, Map<Integer, Map<ServerTarget, Compare.Measured>> data, Value value) {
        XYChart c = new XYChartBuilder().width(W).height(H).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmic(value != Value.RSS);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendFont(c.getStyler().getLegendFont().deriveFont(10f));
        for (ServerTarget t : ServerTarget.values()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Map.Entry<Integer, Map<ServerTarget, Compare.Measured>> e : data.entrySet()) {
                Compare.Measured m = e.getValue().get(t);
                if (m == null || !m.ok()) {
                    continue;
                }
                xs.add(value == Value.MEGABYTES ? e.getKey() / 1024.0 : e.getKey());
                ys.add(switch (value) {
                    case RATE -> m.rate();
                    case RSS -> m.peakRssKib() / 1024.0;
                    case MEGABYTES -> m.rate() * e.getKey() / 1e6;
                });
            }
            if (!xs.isEmpty()) {
                c.addSeries(t.label, xs, ys).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return c;
    }
}
