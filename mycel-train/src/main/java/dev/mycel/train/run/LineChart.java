package dev.mycel.train.run;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A PNG line chart of up to six series against steps (or rounds), drawn with the JDK's own 2-D graphics
 * (headless: no display needed), so a run's loss and accuracy can be looked at, not read.
 */
public final class LineChart {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 480;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};

    private LineChart() {
    }

    /** A named series of (x, y) points. */
    public record Series(String name, List<double[]> points) {
    }

    /** Writes the chart to {@code file}; series without points are left out, and nothing is written if none has any. */
    public static boolean write(Path file, String title, String yLabel, List<Series> series) throws IOException {
        return write(file, title, "step", yLabel, series);
    }

    /** The same with another name for the x axis (rounds, say). */
    public static boolean write(Path file, String title, String xLabel, String yLabel, List<Series> series)
            throws IOException {
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double[] p : s.points()) {
                if (Double.isFinite(p[1])) {
                    minX = Math.min(minX, p[0]);
                    maxX = Math.max(maxX, p[0]);
                    minY = Math.min(minY, p[1]);
                    maxY = Math.max(maxY, p[1]);
                }
            }
        }
        if (minX == Double.POSITIVE_INFINITY) {
            return false;
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        if (maxY == minY) {
            maxY = minY + 1;
        }
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            int plotW = WIDTH - LEFT - RIGHT;
            int plotH = HEIGHT - TOP - BOTTOM;
            g.setColor(new Color(0xdddddd));
            for (int i = 0; i <= 5; i++) {
                int y = TOP + plotH * i / 5;
                g.drawLine(LEFT, y, LEFT + plotW, y);
            }
            g.setColor(Color.DARK_GRAY);
            g.drawRect(LEFT, TOP, plotW, plotH);
            for (int i = 0; i <= 5; i++) {
                double v = maxY - (maxY - minY) * i / 5;
                g.drawString(String.format(Locale.ROOT, "%.3g", v), 5, TOP + plotH * i / 5 + 4);
                double x = minX + (maxX - minX) * i / 5;
                g.drawString(String.format(Locale.ROOT, "%.0f", x), LEFT + plotW * i / 5 - 10, HEIGHT - BOTTOM + 18);
            }
            g.drawString(xLabel, LEFT + plotW / 2 - 10, HEIGHT - 12);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title + " (" + yLabel + ")", LEFT, 25);
            g.setStroke(new BasicStroke(1.5f));
            int legendX = LEFT + plotW - 160;
            int c = 0;
            for (Series s : series) {
                if (s.points().isEmpty()) {
                    continue;
                }
                g.setColor(COLORS[c++ % COLORS.length]);
                int px = -1;
                int py = -1;
                for (double[] p : s.points()) {
                    if (!Double.isFinite(p[1])) {
                        continue;
                    }
                    int x = LEFT + (int) Math.round((p[0] - minX) / (maxX - minX) * plotW);
                    int y = TOP + (int) Math.round((maxY - p[1]) / (maxY - minY) * plotH);
                    if (px >= 0) {
                        g.drawLine(px, py, x, y);
                    } else if (s.points().size() == 1) {
                        g.fillOval(x - 3, y - 3, 6, 6);
                    }
                    px = x;
                    py = y;
                }
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                g.drawString(s.name(), legendX, TOP + 18 * c);
            }
        } finally {
            g.dispose();
        }
        return ImageIO.write(img, "png", file.toFile());
    }
}
