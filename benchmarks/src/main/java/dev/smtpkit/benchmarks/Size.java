package dev.smtpkit.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Formatting and medians for the tables. */
final class Size {

    private Size() {
    }

    static String format(long octets) {
        if (octets >= 1 << 20 && octets % (1 << 20) == 0) {
            return (octets >> 20) + " MiB";
        }
        if (octets >= 1 << 10 && octets % (1 << 10) == 0) {
            return (octets >> 10) + " KiB";
        }
        return octets + " B";
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** A number with about three significant digits and thousands separators. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String ratio(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f×", v);
    }

    static double[] array(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static String spread(List<Double> values) {
        return Arrays.toString(values.stream().map(Size::num).toArray());
    }
}
